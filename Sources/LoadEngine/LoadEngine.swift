/// LoadEngine: the load generator behind `stackbench load` and every measured window of a run.
///
/// Owns: the load plan (`LoadPlan`: URLs or a request mix, connections, threads, the closed model or an open one at
/// a rate, duration or count, warm-up), libcurl multi handles driven on epoll, one per thread (`CurlMultiDriver`,
/// `EpollRegistry`, `CurlRequestTemplates`), latency recorded into HDR histograms with coordinated omission
/// corrected in the open model (`ThreadRecorder`, `Timeline`), errors by kind (`ErrorCategory`), the client's own
/// CPU, and the result (`RunResult`, schema `stackbench.load/2`, docs/load-json.md) with its mergeable histogram.
/// Must not: know about the stack it loads, scenarios or reports.
/// Mirrors: wrk (closed model, per-thread event loops) and wrk2 (the open model and its corrected latency).
