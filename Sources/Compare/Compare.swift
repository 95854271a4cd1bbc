/// Compare: `stackbench compare` and the CI gate, over result sets only.
///
/// Owns: loading run folders into sets matched by cell label and target (`RunSet`), per metric the median ± spread
/// over repetitions and the change against the baseline with the two-sided Mann-Whitney U test (`Comparison`), the
/// text, Markdown, JSON (`stackbench.compare/1`) and HTML documents (`ComparisonTables`, `ComparisonDocuments`),
/// and the `--fail-on` gate (`Gate`). docs/compare.md.
/// Must not: import the harness or the stack code: it reads results (Results) and lays them out with Reports.
/// Mirrors: benchstat (median, spread, significance before a verdict).
