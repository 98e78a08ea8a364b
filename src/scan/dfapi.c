/* dfapi.c: what the data-flow pass knows of each language's library: request sources, sinks
 * (code, commands, class loading, includes), decoders and decryption, sockets, files, SQL, and
 * the functions that call back. Names are matched case-insensitively; a lookup is one hash. */
#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "scan/dataflow.h"
#include "util.h"

#define P DF_LANG_PHP
#define J DF_LANG_JAVA
#define V DF_LANG_VB
#define C DF_LANG_CS
#define S DF_LANG_JS
#define N DF_LANG_NET
#define F FORM_FUNC
#define M FORM_METHOD
#define W FORM_NEW
#define FM (FORM_FUNC | FORM_METHOD)
#define ANY FORM_ANY
#define ALL 0xffff
#define A(i) (1u << (i))
#define RECV 0x8000 /* in args: the receiver */

/* name, langs, form, role, pad, args, cb, recv */
static const struct df_api api[] = {
    /* ---- PHP ---- */
    {"getallheaders", P, F, R_SOURCE, 0, 0, -1, NULL},
    {"apache_request_headers", P, F, R_SOURCE, 0, 0, -1, NULL},
    {"session_id", P, F, R_SOURCE, 0, 0, -1, NULL},
    {"eval", P | S, F, R_EVAL, 0, A(0), -1, NULL},
    {"assert", P, F, R_EVAL, 0, A(0), -1, NULL},
    {"create_function", P, F, R_EVAL, 0, ALL, -1, NULL},
    {"include", P, F, R_INCLUDE, 0, A(0), -1, NULL},
    {"include_once", P, F, R_INCLUDE, 0, A(0), -1, NULL},
    {"require", P, F, R_INCLUDE, 0, A(0), -1, NULL},
    {"require_once", P, F, R_INCLUDE, 0, A(0), -1, NULL},
    {"system", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"exec", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"passthru", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"shell_exec", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"popen", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"proc_open", P, F, R_EXEC, 0, A(0), 2, NULL},
    {"pcntl_exec", P, F, R_EXEC, 0, A(0) | A(1), -1, NULL},
    {"expect_popen", P, F, R_EXEC, 0, A(0), -1, NULL},
    {"ssh2_exec", P, F, R_EXEC, 0, A(1), -1, NULL},
    {"call_user_func", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"call_user_func_array", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"forward_static_call", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"forward_static_call_array", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"array_map", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"array_filter", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"array_walk", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"array_walk_recursive", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"array_reduce", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"usort", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"uasort", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"uksort", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"iterator_apply", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"register_shutdown_function", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"register_tick_function", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"header_register_callback", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"ob_start", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"set_error_handler", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"set_exception_handler", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"spl_autoload_register", P, F, R_CALLBACK, 0, ALL, 0, NULL},
    {"preg_replace_callback", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"mb_ereg_replace_callback", P, F, R_CALLBACK, 0, ALL, 1, NULL},
    {"preg_replace", P, F, R_PREG, 0, A(0) | A(1), -1, NULL},
    {"preg_filter", P, F, R_PREG, 0, A(0) | A(1), -1, NULL},
    {"mb_ereg_replace", P, F, R_PREG, 0, A(0) | A(1), 3, NULL},
    {"mb_eregi_replace", P, F, R_PREG, 0, A(0) | A(1), 3, NULL},
    {"reflectionfunction", P, W, R_REFLECT, 0, A(0), -1, NULL},
    {"reflectionmethod", P, W, R_REFLECT, 0, A(1), -1, NULL},
    {"invoke", P | J, M, R_INVOKE, 0, ALL, -1, NULL},
    {"invokeargs", P, M, R_INVOKE, 0, ALL, -1, NULL},
    {"__invoke", P, M, R_INVOKE, 0, ALL, -1, NULL},
    {"base64_decode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"gzinflate", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"gzuncompress", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"gzdecode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"zlib_decode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"bzdecompress", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"str_rot13", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"strrev", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"hex2bin", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"convert_uudecode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"urldecode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"rawurldecode", P, F, R_DECODE, 0, A(0), -1, NULL},
    {"pack", P, F, R_DECODE, 0, ALL, -1, NULL},
    {"chr", P | V, F, R_DECODE, 0, A(0), -1, NULL},
    {"openssl_decrypt", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"mcrypt_decrypt", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"mdecrypt_generic", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"mcrypt_cbc", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"mcrypt_ecb", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"sodium_crypto_secretbox_open", P, F, R_CRYPT, 0, ALL, -1, NULL},
    {"escapeshellarg", P, F, R_SANITIZE, 0, 0, -1, NULL},
    {"intval", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"floatval", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"boolval", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"isset", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"empty", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"count", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"sizeof", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strlen", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strpos", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"stripos", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strrpos", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strcmp", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strcasecmp", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strncmp", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"strncasecmp", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"in_array", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"array_key_exists", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"array_search", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"preg_match", P, F, R_OUTPARAM, 0, A(1), 2, NULL},
    {"preg_match_all", P, F, R_OUTPARAM, 0, A(1), 2, NULL},
    {"md5", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"sha1", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"crc32", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"hash", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"hash_hmac", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"password_hash", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"password_verify", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"file_exists", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_file", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_dir", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_numeric", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_array", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_string", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_int", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_readable", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_writable", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_writeable", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"is_callable", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"function_exists", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"method_exists", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"class_exists", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"filesize", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"filemtime", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"fileperms", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"extension_loaded", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"version_compare", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"ctype_digit", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"ctype_alnum", P, F, R_CLEAN, 0, 0, -1, NULL},
    {"fsockopen", P, F, R_SOCKET, 0, A(0) | A(1), -1, NULL},
    {"pfsockopen", P, F, R_SOCKET, 0, A(0) | A(1), -1, NULL},
    {"stream_socket_client", P, F, R_SOCKET, 0, A(0), -1, NULL},
    {"stream_socket_server", P, F, R_SOCKET, 0, 0, -1, NULL},
    {"socket_create", P, F, R_SOCKET, 0, 0, -1, NULL},
    {"socket_create_listen", P, F, R_SOCKET, 0, 0, -1, NULL},
    {"socket_accept", P, F, R_SOCKET, 0, 0, -1, NULL},
    {"stream_socket_accept", P, F, R_SOCKET, 0, 0, -1, NULL},
    {"socket_connect", P, F, R_CONNECT, 0, A(1) | A(2), 0, NULL},
    {"fwrite", P, F, R_SEND, 0, A(1), 0, NULL},
    {"fputs", P, F, R_SEND, 0, A(1), 0, NULL},
    {"socket_write", P, F, R_SEND, 0, A(1), 0, NULL},
    {"socket_send", P, F, R_SEND, 0, A(1), 0, NULL},
    {"stream_socket_sendto", P, F, R_SEND, 0, A(1), 0, NULL},
    {"stream_copy_to_stream", P, F, R_SEND, 0, A(0), 1, NULL},
    {"file_get_contents", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"readfile", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"file", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"fopen", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"highlight_file", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"show_source", P, F, R_FILE_READ, 0, A(0), -1, NULL},
    {"file_put_contents", P, F, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"copy", P, F, R_FILE_WRITE, 0, A(1), -1, NULL},
    {"rename", P, F, R_FILE_WRITE, 0, A(1), -1, NULL},
    {"mkdir", P, F, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"touch", P, F, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"chmod", P, F, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"symlink", P, F, R_FILE_WRITE, 0, A(1), -1, NULL},
    {"unlink", P, F, R_FILE_DELETE, 0, A(0), -1, NULL},
    {"rmdir", P, F, R_FILE_DELETE, 0, A(0), -1, NULL},
    {"scandir", P, F, R_FILE_LIST, 0, A(0), -1, NULL},
    {"opendir", P, F, R_FILE_LIST, 0, A(0), -1, NULL},
    {"glob", P, F, R_FILE_LIST, 0, A(0), -1, NULL},
    {"dir", P, F, R_FILE_LIST, 0, A(0), -1, NULL},
    {"move_uploaded_file", P, F, R_UPLOAD, 0, A(1), -1, NULL},
    {"mysql_query", P, F, R_SQL, 0, A(0), -1, NULL},
    {"mysql_db_query", P, F, R_SQL, 0, A(1), -1, NULL},
    {"mysqli_query", P, F, R_SQL, 0, A(1), -1, NULL},
    {"mysqli_multi_query", P, F, R_SQL, 0, A(1), -1, NULL},
    {"mysqli_real_query", P, F, R_SQL, 0, A(1), -1, NULL},
    {"pg_query", P, F, R_SQL, 0, ALL, -1, NULL},
    {"mssql_query", P, F, R_SQL, 0, A(0), -1, NULL},
    {"sqlsrv_query", P, F, R_SQL, 0, A(1), -1, NULL},
    {"oci_parse", P, F, R_SQL, 0, A(1), -1, NULL},
    {"odbc_exec", P, F, R_SQL, 0, A(1), -1, NULL},
    {"query", P, M, R_SQL, 0, A(0), -1, NULL},
    {"multi_query", P, M, R_SQL, 0, A(0), -1, NULL},
    {"exec", P, M, R_SQL, 0, A(0), -1, NULL},
    {"extract", P, F, R_EXTRACT, 0, A(0), -1, NULL},
    {"import_request_variables", P, F, R_EXTRACT, 0, 0, -1, NULL},
    {"parse_str", P, F, R_OUTPARAM, 0, A(0), 1, NULL},
    {"mb_parse_str", P, F, R_OUTPARAM, 0, A(0), 1, NULL},
    {"array_push", P, F, R_OUTPARAM, 0, ALL, 0, NULL},
    {"array_unshift", P, F, R_OUTPARAM, 0, ALL, 0, NULL},
    {"putenv", P, F, R_PUTENV, 0, A(0), -1, NULL},
    {"mail", P, F, R_MAILER, 0, 0, -1, NULL},
    {"error_log", P, F, R_MAILER, 0, 0, -1, NULL},
    {"mb_send_mail", P, F, R_MAILER, 0, 0, -1, NULL},
    {"imap_mail", P, F, R_MAILER, 0, 0, -1, NULL},
    {"com", P, W, R_OBJECT, 0, A(0), -1, NULL},

    /* ---- Java ---- */
    {"getParameter", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getParameterValues", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getParameterMap", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getHeader", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getHeaders", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getQueryString", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getCookies", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getPart", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getParts", J, M, R_SOURCE, 0, 0, -1, NULL},
    {"getInputStream", J, M, R_SOURCE, 0, 0, -1, "req"},
    {"getReader", J, M, R_SOURCE, 0, 0, -1, "req"},
    {"exec", J, M, R_EXEC, 0, ALL, -1, NULL},
    {"ProcessBuilder", J, W, R_EXEC, 0, ALL, -1, NULL},
    {"command", J, M, R_EXEC, 0, ALL, -1, NULL},
    {"start", J, M, R_PROCESS, 0, 0, -1, NULL},
    {"eval", J, M, R_EVAL, 0, A(0), -1, NULL},
    {"evaluate", J, M, R_EVAL, 0, A(0), -1, NULL},
    {"parseExpression", J, M, R_EVAL, 0, A(0), -1, NULL},
    {"createValueExpression", J, M, R_EVAL, 0, A(1), -1, NULL},
    {"createMethodExpression", J, M, R_EVAL, 0, A(1), -1, NULL},
    {"defineClass", J, FM, R_LOAD, 0, ALL, -1, NULL},
    {"defineAnonymousClass", J, FM, R_LOAD, 0, ALL, -1, NULL},
    {"loadClass", J, M, R_LOAD, 0, A(0), -1, NULL},
    {"forName", J, M, R_REFLECT, 0, A(0), -1, NULL},
    {"getMethod", J, M, R_REFLECT, 0, A(0), -1, NULL},
    {"getDeclaredMethod", J, M, R_REFLECT, 0, A(0), -1, NULL},
    {"getDeclaredField", J, M, R_REFLECT, 0, A(0), -1, NULL},
    {"getField", J, M, R_REFLECT, 0, A(0), -1, NULL},
    {"set", J, M, R_INVOKE, 0, ALL, -1, NULL},
    {"decode", J | C, M, R_DECODE, 0, A(0), -1, NULL},
    {"decodeBuffer", J, M, R_DECODE, 0, A(0), -1, NULL},
    {"parseBase64Binary", J, M, R_DECODE, 0, A(0), -1, NULL},
    {"decodeBase64", J, M, R_DECODE, 0, A(0), -1, NULL},
    {"reverse", J, M, R_DECODE, 0, RECV, -1, NULL},
    {"doFinal", J, M, R_CRYPT, 0, ALL, -1, NULL},
    {"Socket", J | C, W, R_SOCKET, 0, A(0) | A(1), -1, NULL},
    {"ServerSocket", J, W, R_SOCKET, 0, 0, -1, NULL},
    {"DatagramSocket", J, W, R_SOCKET, 0, 0, -1, NULL},
    {"open", J, M, R_SOCKET, 0, A(0), -1, "channel"},
    {"connect", J, M, R_CONNECT, 0, A(0) | A(1), -1, NULL},
    {"accept", J, M, R_SOCKET, 0, 0, -1, NULL},
    {"write", J, M, R_SEND, 0, ALL, -1, NULL},
    {"print", J, M, R_SEND, 0, ALL, -1, NULL},
    {"println", J, M, R_SEND, 0, ALL, -1, NULL},
    {"read", J | C, M, R_READINTO, 0, ALL, -1, NULL},
    {"readFully", J, M, R_READINTO, 0, ALL, -1, NULL},
    {"append", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"add", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"addAll", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"put", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"insert", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"setAttribute", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"putValue", J, M, R_MUTATE, 0, ALL, -1, NULL},
    {"equals", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"equalsIgnoreCase", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"length", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"size", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"isEmpty", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"contains", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"startsWith", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"endsWith", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"indexOf", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"hashCode", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"exists", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"isDirectory", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"isFile", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"parseInt", J, M, R_CLEAN, 0, 0, -1, NULL},
    {"FileInputStream", J, W, R_FILE_READ, 0, A(0), -1, NULL},
    {"FileReader", J, W, R_FILE_READ, 0, A(0), -1, NULL},
    {"RandomAccessFile", J, W, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"FileOutputStream", J, W, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"FileWriter", J, W, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"listFiles", J, M, R_FILE_LIST, 0, RECV, -1, NULL},
    {"list", J, M, R_FILE_LIST, 0, RECV, -1, NULL},
    {"delete", J, M, R_FILE_DELETE, 0, RECV | A(0), -1, NULL},
    {"deleteIfExists", J, M, R_FILE_DELETE, 0, A(0), -1, NULL},
    {"renameTo", J, M, R_FILE_WRITE, 0, RECV | A(0), -1, NULL},
    {"mkdirs", J, M, R_FILE_WRITE, 0, RECV, -1, NULL},
    {"createNewFile", J, M, R_FILE_WRITE, 0, RECV, -1, NULL},
    {"readAllBytes", J, M, R_FILE_READ, 0, A(0), -1, "files"},
    {"readAllLines", J, M, R_FILE_READ, 0, A(0), -1, "files"},
    {"newInputStream", J, M, R_FILE_READ, 0, A(0), -1, "files"},
    {"newOutputStream", J, M, R_FILE_WRITE, 0, A(0), -1, "files"},
    {"copy", J, M, R_FILE_WRITE, 0, A(1), -1, "files"},
    {"move", J, M, R_FILE_WRITE, 0, A(1), -1, "files"},
    {"walk", J, M, R_FILE_LIST, 0, A(0), -1, "files"},
    {"newDirectoryStream", J, M, R_FILE_LIST, 0, A(0), -1, "files"},
    {"executeQuery", J, M, R_SQL, 0, A(0), -1, NULL},
    {"executeUpdate", J, M, R_SQL, 0, A(0), -1, NULL},
    {"execute", J, M, R_SQL, 0, A(0), -1, NULL},
    {"addBatch", J, M, R_SQL, 0, A(0), -1, NULL},
    {"prepareStatement", J, M, R_SQL, 0, A(0), -1, NULL},

    /* ---- ASP, ASP.NET (C#, VB, JScript) ---- */
    {"Execute", V, F, R_EVAL, 0, A(0), -1, NULL},
    {"ExecuteGlobal", V, F, R_EVAL, 0, A(0), -1, NULL},
    {"Eval", V, F, R_EVAL, 0, A(0), -1, NULL},
    {"JScriptEvaluate", N, M, R_EVAL, 0, A(0), -1, NULL},
    {"Function", S, W, R_EVAL, 0, ALL, -1, NULL},
    {"CompileAssemblyFromSource", N, M, R_EVAL, 0, ALL, -1, NULL},
    {"CompileAssemblyFromFile", N, M, R_EVAL, 0, ALL, -1, NULL},
    {"Start", N, M, R_EXEC, 0, ALL, -1, "process"},
    {"ProcessStartInfo", N, W, R_EXEC, 0, ALL, -1, NULL},
    {"Shell", V, F, R_EXEC, 0, A(0), -1, NULL},
    {"Exec", N | P, M, R_EXEC, 0, A(0), -1, "wscript.shell"},
    {"Run", N | P, M, R_EXEC, 0, A(0), -1, "wscript.shell"},
    {"ShellExecute", N | P, M, R_EXEC, 0, A(0) | A(1), -1, "shell.application"},
    {"Load", N, M, R_LOAD, 0, A(0), -1, "assembly"},
    {"Load", N, M, R_LOAD, 0, A(0), -1, "domain"},
    {"UnsafeLoadFrom", N, M, R_LOAD, 0, A(0), -1, NULL},
    {"GetMethod", N, M, R_REFLECT, 0, A(0), -1, NULL},
    {"GetType", N, M, R_REFLECT, 0, A(0), -1, NULL},
    {"InvokeMember", N, M, R_REFLECT, 0, A(0), -1, NULL},
    {"Invoke", N, M, R_INVOKE, 0, ALL, -1, NULL},
    {"CreateObject", V | C, FM, R_OBJECT, 0, A(0), -1, NULL},
    {"GetObject", V, FM, R_OBJECT, 0, A(0), -1, NULL},
    {"ActiveXObject", S, W, R_OBJECT, 0, A(0), -1, NULL},
    {"FromBase64String", N, M, R_DECODE, 0, A(0), -1, NULL},
    {"FromBase64CharArray", N, M, R_DECODE, 0, A(0), -1, NULL},
    {"UrlDecode", N, M, R_DECODE, 0, A(0), -1, NULL},
    {"StrReverse", V, F, R_DECODE, 0, A(0), -1, NULL},
    {"ChrW", V, F, R_DECODE, 0, A(0), -1, NULL},
    {"ChrB", V, F, R_DECODE, 0, A(0), -1, NULL},
    {"unescape", S, F, R_DECODE, 0, A(0), -1, NULL},
    {"fromCharCode", S, M, R_DECODE, 0, ALL, -1, NULL},
    {"TransformFinalBlock", N, M, R_CRYPT, 0, ALL, -1, NULL},
    {"Decrypt", N, M, R_CRYPT, 0, ALL, -1, NULL},
    {"TcpClient", N, W, R_SOCKET, 0, A(0) | A(1), -1, NULL},
    {"Connect", N, M, R_CONNECT, 0, A(0) | A(1), -1, NULL},
    {"Send", N, M, R_SEND, 0, ALL, -1, NULL},
    {"Write", N, M, R_SEND, 0, ALL, -1, NULL},
    {"WriteLine", N, M, R_SEND, 0, ALL, -1, NULL},
    {"Add", N, M, R_MUTATE, 0, ALL, -1, NULL},
    {"Append", N, M, R_MUTATE, 0, ALL, -1, NULL},
    {"Insert", N, M, R_MUTATE, 0, ALL, -1, NULL},
    {"Read", N, M, R_READINTO, 0, ALL, -1, NULL},
    {"Len", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"IsNumeric", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"IsEmpty", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"InStr", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"CInt", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"CLng", V, F, R_CLEAN, 0, 0, -1, NULL},
    {"Equals", C, M, R_CLEAN, 0, 0, -1, NULL},
    {"IsNullOrEmpty", C, M, R_CLEAN, 0, 0, -1, NULL},
    {"Contains", C, M, R_CLEAN, 0, 0, -1, NULL},
    {"ReadAllText", N, M, R_FILE_READ, 0, A(0), -1, "file"},
    {"ReadAllBytes", N, M, R_FILE_READ, 0, A(0), -1, "file"},
    {"ReadAllLines", N, M, R_FILE_READ, 0, A(0), -1, "file"},
    {"OpenRead", N, M, R_FILE_READ, 0, A(0), -1, "file"},
    {"OpenText", N, M, R_FILE_READ, 0, A(0), -1, "file"},
    {"StreamReader", N, W, R_FILE_READ, 0, A(0), -1, NULL},
    {"FileStream", N, W, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"StreamWriter", N, W, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"WriteAllText", N, M, R_FILE_WRITE, 0, A(0), -1, "file"},
    {"WriteAllBytes", N, M, R_FILE_WRITE, 0, A(0), -1, "file"},
    {"AppendAllText", N, M, R_FILE_WRITE, 0, A(0), -1, "file"},
    {"Create", N, M, R_FILE_WRITE, 0, A(0), -1, "file"},
    {"Copy", N, M, R_FILE_WRITE, 0, A(1), -1, "file"},
    {"Move", N, M, R_FILE_WRITE, 0, A(1), -1, "file"},
    {"CreateDirectory", N, M, R_FILE_WRITE, 0, A(0), -1, "directory"},
    {"Delete", N, M, R_FILE_DELETE, 0, A(0), -1, "file"},
    {"Delete", N, M, R_FILE_DELETE, 0, A(0), -1, "directory"},
    {"GetFiles", N, M, R_FILE_LIST, 0, A(0) | RECV, -1, NULL},
    {"GetDirectories", N, M, R_FILE_LIST, 0, A(0) | RECV, -1, NULL},
    {"GetFileSystemEntries", N, M, R_FILE_LIST, 0, A(0), -1, NULL},
    {"EnumerateFiles", N, M, R_FILE_LIST, 0, A(0) | RECV, -1, NULL},
    {"SaveAs", N, M, R_UPLOAD, 0, A(0), -1, NULL},
    {"OpenTextFile", N, M, R_FILE_READ, 0, A(0), -1, NULL},
    {"CreateTextFile", N, M, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"DeleteFile", N, M, R_FILE_DELETE, 0, A(0), -1, NULL},
    {"DeleteFolder", N, M, R_FILE_DELETE, 0, A(0), -1, NULL},
    {"GetFolder", N, M, R_FILE_LIST, 0, A(0), -1, NULL},
    {"CopyFile", N, M, R_FILE_WRITE, 0, A(1), -1, NULL},
    {"MoveFile", N, M, R_FILE_WRITE, 0, A(1), -1, NULL},
    {"CreateFolder", N, M, R_FILE_WRITE, 0, A(0), -1, NULL},
    {"SaveToFile", N, M, R_UPLOAD, 0, A(0), -1, NULL},
    {"LoadFromFile", N, M, R_FILE_READ, 0, A(0), -1, NULL},
    {"Execute", N, M, R_SQL, 0, A(0), -1, NULL},
    {"SqlCommand", N, W, R_SQL, 0, A(0), -1, NULL},
    {"OleDbCommand", N, W, R_SQL, 0, A(0), -1, NULL},
    {"OdbcCommand", N, W, R_SQL, 0, A(0), -1, NULL},
    {"SqlDataAdapter", N, W, R_SQL, 0, A(0), -1, NULL},
    {"OleDbDataAdapter", N, W, R_SQL, 0, A(0), -1, NULL},
};

#define NBUCKETS 1024
static uint16_t bucket_head[NBUCKETS];
static uint16_t bucket_next[ARRAY_SIZE(api)];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static uint32_t hash_ci(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint32_t)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

static void api_init(void)
{
	/* 0 ends a chain: entries are stored as index + 1; later entries first, so walk order
	 * within one name follows the table */
	for (size_t i = ARRAY_SIZE(api); i-- > 0;) {
		uint32_t b = hash_ci(api[i].name, strlen(api[i].name)) % NBUCKETS;
		bucket_next[i] = bucket_head[b];
		bucket_head[b] = (uint16_t)(i + 1);
	}
}

size_t df_api_find(enum lex_lang lang, const char *name, size_t n, const struct df_api **out,
                   size_t max)
{
	pthread_once(&api_once, api_init);
	if (!n || n > 64)
		return 0;
	size_t cnt = 0;
	uint32_t b = hash_ci(name, n) % NBUCKETS;
	for (uint16_t k = bucket_head[b]; k && cnt < max; k = bucket_next[k - 1]) {
		const struct df_api *a = &api[k - 1];
		if ((a->langs & (1u << lang)) && strlen(a->name) == n &&
		    strncasecmp(a->name, name, n) == 0)
			out[cnt++] = a;
	}
	return cnt;
}

static bool in_list_ci(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncasecmp(*list, s, n) == 0)
			return true;
	return false;
}

bool df_php_superglobal(const char *s, size_t n)
{
	static const char *const sg[] = {"_GET",
	                                 "_POST",
	                                 "_REQUEST",
	                                 "_COOKIE",
	                                 "_FILES",
	                                 "HTTP_GET_VARS",
	                                 "HTTP_POST_VARS",
	                                 "HTTP_COOKIE_VARS",
	                                 "HTTP_POST_FILES",
	                                 "HTTP_RAW_POST_DATA",
	                                 NULL};
	for (const char *const *p = sg; *p; p++)
		if (strlen(*p) == n && memcmp(*p, s, n) == 0)
			return true;
	return false;
}

bool df_php_server_key(const char *k, size_t n)
{
	static const char *const keys[] = {
	    "QUERY_STRING", "REQUEST_URI", "PATH_INFO", "PHP_AUTH_USER",
	    "PHP_AUTH_PW",  "argv",        NULL};
	if (n > 5 && memcmp(k, "HTTP_", 5) == 0)
		return true;
	for (const char *const *p = keys; *p; p++)
		if (strlen(*p) == n && memcmp(*p, k, n) == 0)
			return true;
	return false;
}

bool df_request_member(const char *s, size_t n)
{
	static const char *const m[] = {"Form",        "QueryString",
	                                "Item",        "Params",
	                                "Headers",     "Cookies",
	                                "InputStream", "BinaryRead",
	                                "Files",       "ServerVariables",
	                                "RawUrl",      "GetBufferlessInputStream",
	                                "Unvalidated", NULL};
	return in_list_ci(s, n, m);
}

bool df_keyword(enum lex_lang lang, const char *s, size_t n)
{
	static const char *const php[] = {
	    "if",         "else",      "elseif",   "while",     "for",        "foreach",
	    "do",         "switch",    "case",     "default",   "break",      "continue",
	    "return",     "function",  "class",    "interface", "trait",      "extends",
	    "implements", "new",       "clone",    "echo",      "print",      "unset",
	    "as",         "global",    "static",   "public",    "private",    "protected",
	    "abstract",   "final",     "const",    "var",       "namespace",  "use",
	    "instanceof", "try",       "catch",    "finally",   "throw",      "yield",
	    "fn",         "match",     "and",      "or",        "xor",        "goto",
	    "declare",    "endif",     "endwhile", "endfor",    "endforeach", "endswitch",
	    "true",       "false",     "null",     "self",      "parent",     "readonly",
	    "enum",       "insteadof", NULL};
	static const char *const java[] = {
	    "abstract", "assert",     "boolean",  "break",     "byte",     "case",
	    "catch",    "char",       "class",    "const",     "continue", "default",
	    "do",       "double",     "else",     "enum",      "extends",  "final",
	    "finally",  "float",      "for",      "goto",      "if",       "implements",
	    "import",   "instanceof", "int",      "interface", "long",     "native",
	    "new",      "package",    "private",  "protected", "public",   "return",
	    "short",    "static",     "strictfp", "super",     "switch",   "synchronized",
	    "this",     "throw",      "throws",   "transient", "try",      "void",
	    "volatile", "while",      "true",     "false",     "null",     "var",
	    NULL};
	static const char *const cs[] = {
	    "abstract",   "as",         "base",    "bool",     "break",     "byte",     "case",
	    "catch",      "char",       "checked", "class",    "const",     "continue", "decimal",
	    "default",    "delegate",   "do",      "double",   "else",      "enum",     "event",
	    "explicit",   "extern",     "false",   "finally",  "fixed",     "float",    "for",
	    "foreach",    "goto",       "if",      "implicit", "in",        "int",      "interface",
	    "internal",   "is",         "lock",    "long",     "namespace", "new",      "null",
	    "object",     "operator",   "out",     "override", "params",    "private",  "protected",
	    "public",     "readonly",   "ref",     "return",   "sbyte",     "sealed",   "short",
	    "sizeof",     "stackalloc", "static",  "string",   "struct",    "switch",   "this",
	    "throw",      "true",       "try",     "typeof",   "uint",      "ulong",    "unchecked",
	    "unsafe",     "ushort",     "using",   "virtual",  "void",      "volatile", "while",
	    "var",        "async",      "await",   "partial",  "let",       "function", "delete",
	    "instanceof", "with",       "import",  "package",  NULL};
	static const char *const vb[] = {
	    "Dim",      "Set",        "Let",     "Call",      "If",       "Then",      "Else",
	    "ElseIf",   "End",        "Sub",     "Function",  "For",      "Each",      "In",
	    "To",       "Step",       "Next",    "Do",        "Loop",     "While",     "Wend",
	    "Until",    "Select",     "Case",    "With",      "Exit",     "On",        "Error",
	    "Resume",   "GoTo",       "Option",  "Explicit",  "Private",  "Public",    "Const",
	    "ReDim",    "Preserve",   "ByVal",   "ByRef",     "Optional", "New",       "Nothing",
	    "Empty",    "Null",       "True",    "False",     "Not",      "And",       "Or",
	    "Xor",      "Mod",        "Is",      "Like",      "As",       "Class",     "Property",
	    "Get",      "Me",         "Imports", "Namespace", "Try",      "Catch",     "Finally",
	    "Throw",    "Return",     "Of",      "Handles",   "Shared",   "Overrides", "Static",
	    "Erase",    "Randomize",  "Stop",    "AndAlso",   "OrElse",   "Protected", "Friend",
	    "Inherits", "Implements", "Module",  "Structure", "Using",    "Partial",   NULL};
	switch (lang) {
	case LANG_PHP:
		return in_list_ci(s, n, php);
	case LANG_JAVA:
		return in_list_ci(s, n, java);
	case LANG_CS:
	case LANG_JS:
		return in_list_ci(s, n, cs);
	case LANG_VB:
		return in_list_ci(s, n, vb);
	default:
		return false;
	}
}
