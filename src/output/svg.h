/* svg.h: render Graphviz DOT text as SVG (libgvc, "dot" layout). */
#pragma once

#include "util.h"

/* Lay out dot with the "dot" engine and append the SVG to out. */
int svg_from_dot(const char *dot, struct buf *out, struct cirt_err *err);
