/* contain.h (output): the steps of `cirt contain`/`cirt release` and the --status list, for a
 * terminal or as JSON. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* steps: the rows contain_apply/contain_release/contain_reapply appended. As a table: the steps
 * that did not fail (a failure is the error main prints), and with dry_run every change that
 * would be made, firewall input line by line. As JSON: {"dry_run", "steps"}. */
void contain_out_steps(FILE *out, json_t *steps, bool dry_run, bool json);
/* list: contain_status's answer. A table (or a sentence when it is empty; ref: the container
 * asked about, or NULL), or JSON {"holds", "contained"}. Returns whether every containment
 * holds. */
bool contain_out_status(FILE *out, json_t *list, const char *ref, bool json);
