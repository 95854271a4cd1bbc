/// CCurl: Debian's libcurl (libcurl4-openssl-dev) for Swift.
///
/// Owns: one typed static-inline wrapper per argument type of the variadic calls `curl_easy_setopt`,
/// `curl_multi_setopt` and `curl_easy_getinfo`, so that no Swift code calls a variadic C function, and an
/// accessor for `CURLMsg`'s union. Must not: hold state or policy; everything here forwards to libcurl.
#ifndef STACKBENCH_CCURL_SHIM_H
#define STACKBENCH_CCURL_SHIM_H

#include <curl/curl.h>

/* The value `curl_multi_socket_action` takes to mean "a timer expired" (a chained macro Swift cannot import). */
static const curl_socket_t sb_curl_socket_timeout = CURL_SOCKET_TIMEOUT;

static inline CURLcode sb_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sb_easy_setopt_off(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}
/* Strings (copied by libcurl), curl_slist*, POSTFIELDS (not copied: caller keeps it alive), user data. */
static inline CURLcode sb_easy_setopt_ptr(CURL *easy, CURLoption option, const void *value) {
    return curl_easy_setopt(easy, option, value);
}
static inline CURLcode sb_easy_setopt_write(CURL *easy, curl_write_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode sb_easy_setopt_closesocket(CURL *easy, curl_closesocket_callback callback) {
    return curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, callback);
}

static inline CURLSHcode sb_share_setopt_long(CURLSH *share, CURLSHoption option, long value) {
    return curl_share_setopt(share, option, value);
}

static inline CURLMcode sb_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLMcode sb_multi_setopt_ptr(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}
static inline CURLMcode sb_multi_setopt_socket(CURLM *multi, curl_socket_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
}
static inline CURLMcode sb_multi_setopt_timer(CURLM *multi, curl_multi_timer_callback callback) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
}

static inline CURLcode sb_easy_getinfo_long(CURL *easy, CURLINFO info, long *out) {
    return curl_easy_getinfo(easy, info, out);
}
static inline CURLcode sb_easy_getinfo_off(CURL *easy, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(easy, info, out);
}
static inline CURLcode sb_easy_getinfo_ptr(CURL *easy, CURLINFO info, void **out) {
    return curl_easy_getinfo(easy, info, out);
}

static inline CURLcode sb_easy_getinfo_socket(CURL *easy, CURLINFO info, curl_socket_t *out) {
    return curl_easy_getinfo(easy, info, out);
}

static inline CURLcode sb_msg_result(const CURLMsg *msg) { return msg->data.result; }

#endif
