/// Reports: results laid out for people.
///
/// Owns: the report model both writers use (`ReportModel`: descriptions, finished cells, medians, best cell, ratios,
/// stacks side by side, the windows not to trust, events), report.md (`MarkdownReport`), the self-contained
/// report.html (`HTMLReport` laid out as an `HTMLDocument` through its Mustache templates, `SVGChart`), the terminal table, and writing a run folder atomically
/// (`RunFolder+Writing`).
/// Must not: run anything or read scenarios; it reads Results only.
