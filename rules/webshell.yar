/*
 * webshell.yar: webshell idioms in PHP, JSP and ASP/ASPX, written for cirt.
 *
 * Each rule asks for request data (or a decoded payload) reaching something that runs code or
 * commands, so an ordinary application or a binary does not match. cirt reports a match as
 * "webshell.<rule>"; meta severity is one of info, low, medium, high, critical.
 *
 * Every rule also asks for a script marker: "<?" (PHP runs nothing outside its tags, included
 * files too), "<%" (JSP, ASP) or "<jsp:". cirt relies on it: it runs these rules only on files
 * holding one of the three, and never on ELF programs, which spares most files the cost.
 *
 * Speed: regular expressions here are case-sensitive. PHP's superglobals ($_POST, ...) are
 * case-sensitive anyway; a case-insensitive regex costs about three times as much per byte of
 * source code, so only VBScript (case-insensitive) spells out its usual casings.
 */

rule php_eval_request
{
    meta:
        description = "PHP evaluates request data (one-line 'chopper' style shell)"
        severity = "critical"
    strings:
        $e1 = /\b(eval|assert)\s*\(\s*(@\s*)?(\$_(POST|GET|REQUEST|COOKIE|SERVER|FILES)\b|\$\{\s*['"]?_(POST|GET|REQUEST|COOKIE)|(stripslashes|trim|urldecode|rawurldecode|base64_decode|gzinflate|str_rot13|gzuncompress|hex2bin)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)\b)/
        $e2 = /\bcreate_function\s*\([^)]{0,80}\$_(POST|GET|REQUEST|COOKIE)\b/
        $e3 = /\bpreg_replace\s*\(\s*['"][^'"]{1,40}\/e[a-z]{0,4}['"]\s*,[^;]{0,80}\$_(POST|GET|REQUEST|COOKIE)\b/
        $e4 = /\b(array_map|call_user_func|call_user_func_array|usort|array_filter)\s*\(\s*['"]?(assert|eval|system)['"]?\s*,[^;]{0,40}\$_(POST|GET|REQUEST|COOKIE)\b/
        $open = "<?"
    condition:
        $open and any of ($e*)
}

rule php_exec_request
{
    meta:
        description = "PHP runs a command taken from the request"
        severity = "critical"
    strings:
        $x1 = /\b(system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\(\s*(@\s*)?\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/
        $x2 = /`\s*\$_(POST|GET|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*`/
        $open = "<?"
    condition:
        $open and any of ($x*)
}

rule php_obfuscated
{
    meta:
        description = "PHP runs decoded or disguised code (obfuscated shell)"
        severity = "high"
    strings:
        $php = "<?php" nocase
        $o1 = /\b(eval|assert)\s*\(\s*(gzinflate|gzuncompress|gzdecode|str_rot13|base64_decode|strrev|convert_uudecode)\s*\(/
        $o2 = /\bstr_rot13\s*\(\s*['"](nffreg|riny|flfgrz|cnffgueh)['"]\s*\)/
        $o3 = /\bstrrev\s*\(\s*['"](tressa|lave|metsys|urhtssap)['"]\s*\)/
        $o4 = /\$[a-z_][a-z0-9_]{0,20}\s*\(\s*(base64_decode|gzinflate|gzuncompress|str_rot13|hex2bin)\s*\(\s*\$_(POST|GET|REQUEST|COOKIE)\b/
        $o5 = /['"]as['"]\s*\.\s*['"]se['"]\s*\.\s*['"]rt['"]/
        $o6 = /\$\{\s*['"](\\x[0-9a-f]{2}){3}/
        $o7 = /\bchr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(\s*\d{2,3}\s*\)\s*\.\s*chr\s*\(/
        $req = /\$_(POST|GET|REQUEST|COOKIE)\b/
    condition:
        $php and (any of ($o1, $o2, $o3, $o4) or (any of ($o5, $o6, $o7) and $req))
}

rule php_shell_kit
{
    meta:
        description = "a known PHP webshell kit (WSO, c99, r57, b374k, weevely, ...)"
        severity = "critical"
    strings:
        $php = "<?php" nocase
        $k1 = "FilesMan"
        $k2 = "c99shell" nocase
        $k3 = "r57shell" nocase
        $k4 = "b374k" nocase
        $k5 = "WSO_VERSION"
        $k6 = "weevely" nocase
        $k7 = "Ani-Shell" nocase
        $k8 = "phpspy" nocase
    condition:
        $php and any of ($k*)
}

rule jsp_exec_request
{
    meta:
        description = "JSP runs a command taken from the request"
        severity = "critical"
    strings:
        $jsp1 = "<%"
        $jsp2 = "<jsp:"
        $r1 = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $r2 = /new\s+ProcessBuilder\s*\(/
        $p1 = /request\s*\.\s*getParameter\s*\(/
        $p2 = /request\s*\.\s*getInputStream\s*\(/
        $p3 = /request\s*\.\s*getHeader\s*\(/
    condition:
        any of ($jsp*) and any of ($r*) and any of ($p*)
}

rule jsp_class_loader
{
    meta:
        description = "JSP defines classes from decrypted request bytes (Behinder/Godzilla style)"
        severity = "critical"
    strings:
        $jsp1 = "<%"
        $jsp2 = "<jsp:"
        $d = "defineClass"
        $c1 = "javax.crypto.Cipher"
        $c2 = /Cipher\s*\.\s*getInstance\s*\(/
        $i1 = /request\s*\.\s*getReader\s*\(/
        $i2 = /request\s*\.\s*getInputStream\s*\(/
        $i3 = /request\s*\.\s*getParameter\s*\(/
    condition:
        any of ($jsp*) and $d and any of ($c*) and any of ($i*)
}

rule asp_eval_request
{
    meta:
        description = "ASP/ASPX evaluates or runs request data"
        severity = "critical"
    strings:
        $tag = "<%"
        $a1 = /\b(eval|Eval|EVAL|execute|Execute|EXECUTE|ExecuteGlobal|executeglobal)\s*\(?\s*(request|Request|REQUEST)\s*(\.\s*(item|Item|form|Form|querystring|QueryString)\s*)?[\(\[]/
        $a2 = /Process\s*\.\s*Start\s*\([^;]{0,200}Request\s*(\.\s*(Item|Form|QueryString)\s*)?[\(\[]/
        $a3 = /\.\s*(Exec|exec|Run|run)\s*\(\s*"cmd(\.exe)?\s+\/c\s*"\s*&\s*(request|Request)/
    condition:
        $tag and any of ($a*)
}
