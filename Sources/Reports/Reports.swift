/// Reports: results laid out for people.
///
/// Owns: the analysis of a run that every writer reads (`RunAnalysis`: descriptions, finished cells, each target's
/// configurations and medians, the best setting, ratios, setting effects, stacks side by side, where the time went,
/// the windows not to trust, events, the Answers), report.md (`MarkdownReport`), the self-contained report.html
/// (`HTMLReport` laid out as an `HTMLDocument` through its Mustache templates, `SVGChart`, `TimeChart`), the
/// terminal's table (`SummaryTable`), and writing a run folder atomically (`RunFolder+Writing`).
/// Must not: run anything or read scenarios; it reads Results only, and never writes analysis into a result.
