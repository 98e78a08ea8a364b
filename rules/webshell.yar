/*
 * webshell.yar: what strings do best for webshells: the names known kits carry in their own
 * text. Everything that is a technique (request data reaching eval, a command, a class loader,
 * a socket; decoded blobs and disguised names run) is the lexer and data-flow pass's
 * (src/scan/webshell.c, dataflow.c): they read code, never comments, and follow a value through
 * variables, which a pattern over bytes cannot. cirt reports a match as "webshell.<rule>".
 *
 * Every rule asks for a script marker ("<?", "<%" or "<jsp:"): cirt runs these rules only on
 * files holding one (rules.c), never on ELF programs.
 */

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
