/// CPython: Debian's libpython3 (libpython3-dev, `pkg-config python3-embed`) for Swift, as uWSGI's python plugin
/// embeds it.
///
/// Owns: the calls Swift cannot make directly — interpreter start-up through PyConfig (a C struct of wide strings
/// and a returned PyStatus), the singletons and type checks that are macros (`Py_None`, `PyBytes_Check`, ...),
/// and a `PyMethodDef` maker. Must not: hold state or policy; everything here forwards to libpython.
#ifndef STACKBENCH_CPYTHON_SHIM_H
#define STACKBENCH_CPYTHON_SHIM_H

/* The C library first, with the feature macros Swift's Glibc module sees: Python.h's pyconfig.h defines
 * _GNU_SOURCE, which gives `fd_set` another member name, and Clang refuses one type with two definitions in a file
 * that imports both modules (a clean build fails; a warm module cache hides it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Starts the interpreter without its signal handlers (the pool owns SIGINT, SIGHUP, ...) and without reading argv.
 * `executable` (a venv's bin/python3: Python then finds its pyvenv.cfg) and `home` (PYTHONHOME) may be NULL.
 * Returns NULL on success, else a malloc'd message the caller frees. The calling thread holds the GIL after. */
static inline char *sb_python_start(const char *executable, const char *home) {
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    PyStatus status = PyStatus_Ok();
    if (executable) status = PyConfig_SetBytesString(&config, &config.executable, executable);
    if (!PyStatus_Exception(status) && executable)
        status = PyConfig_SetBytesString(&config, &config.program_name, executable);
    if (!PyStatus_Exception(status) && home) status = PyConfig_SetBytesString(&config, &config.home, home);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (!PyStatus_Exception(status)) return NULL;
    const char *message = status.err_msg ? status.err_msg : "Python failed to start";
    char *copy = malloc(strlen(message) + (status.func ? strlen(status.func) + 3 : 1));
    if (!copy) return NULL;
    if (status.func) { strcpy(copy, status.func); strcat(copy, ": "); strcat(copy, message); }
    else strcpy(copy, message);
    return copy;
}

static inline PyObject *sb_py_none(void) { return Py_None; }
static inline PyObject *sb_py_true(void) { return Py_True; }
static inline PyObject *sb_py_false(void) { return Py_False; }
static inline PyObject *sb_py_bool(int value) { return value ? Py_True : Py_False; }
static inline int sb_py_is_bytes(PyObject *object) { return PyBytes_Check(object); }
static inline int sb_py_is_str(PyObject *object) { return PyUnicode_Check(object); }
static inline int sb_py_is_list(PyObject *object) { return PyList_Check(object); }
static inline int sb_py_is_tuple(PyObject *object) { return PyTuple_Check(object); }
static inline int sb_py_is_exact_list_or_tuple(PyObject *object) {
    return PyList_CheckExact(object) || PyTuple_CheckExact(object);
}

/* A dict with room for `count` items (the environ: no resize while it is filled). */
static inline PyObject *sb_py_dict_presized(Py_ssize_t count) { return _PyDict_NewPresized(count); }

/* Whether `text` is a str of one-byte characters equal to the Latin-1 decoding of `bytes[0..<count]`. */
static inline int sb_py_str_equals_latin1(PyObject *text, const char *bytes, Py_ssize_t count) {
    if (!PyUnicode_Check(text) || PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) return 0;
    if (PyUnicode_GET_LENGTH(text) != count) return 0;
    return count == 0 || memcmp(PyUnicode_1BYTE_DATA(text), bytes, (size_t) count) == 0;
}

/* `object.name()`; a new reference, or NULL with an exception set. */
static inline PyObject *sb_py_call_method(PyObject *object, const char *name) {
    PyObject *method = PyObject_GetAttrString(object, name);
    if (!method) return NULL;
    PyObject *result = PyObject_CallNoArgs(method);
    Py_DECREF(method);
    return result;
}

/* A method table entry that lives as long as the process (the functions of stackbench's own Python module). */
static inline PyMethodDef *sb_py_method(const char *name, PyCFunction function, int flags) {
    PyMethodDef *definition = calloc(1, sizeof(PyMethodDef));
    definition->ml_name = name;
    definition->ml_meth = function;
    definition->ml_flags = flags;
    definition->ml_doc = NULL;
    return definition;
}

#endif
