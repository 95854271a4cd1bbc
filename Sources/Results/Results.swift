/// Results: what `stackbench run` writes and everything after it reads.
///
/// Owns: the result.json schema (`ScenarioResult`, `stackbench.run/3`) with its cells, configurations, targets,
/// repetitions, window flags, events and capacity searches; reading a run folder back with the schema checked
/// (`RunFolder.read`, which reads `stackbench.run/2` too); the names a result is written in, shared by its writer and
/// its readers (`TargetKind`, `Metric`, `CellSetting`, `CellStatus`, `StackRole`); and the noise check over
/// repetitions (`Noise`).
/// Must not: run anything, read scenarios or lay anything out for people (that is Reports).
