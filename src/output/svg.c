/* svg.c: lay out and render DOT text as SVG with Graphviz's libgvc. Kept apart from the model:
 * graphviz's headers define a "struct port" of their own. */
#include "output/svg.h"

#include "config.h"

#if !CIRT_HAVE_GVC
/* The static build (-Dstatic=true): Debian ships Graphviz without static libraries (and its
 * layout engines are plugins loaded at run time), so there is no renderer; DOT output stays. */
int svg_from_dot(const char *dot, struct buf *out, struct cirt_err *err)
{
	return err_set(err, CIRT_EXIT_RUNTIME,
	               "this static build of cirt has no SVG renderer (Graphviz has no static "
	               "library): use --format dot and render it elsewhere with 'dot -Tsvg'");
}
#else
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

int svg_from_dot(const char *dot, struct buf *out, struct cirt_err *err)
{
	GVC_t *gvc = gvContext();
	if (!gvc)
		return err_set(err, CIRT_EXIT_RUNTIME, "graphviz: cannot create a context");
	int rc = -1;
	Agraph_t *g = agmemread(dot);
	if (!g) {
		err_set(err, CIRT_EXIT_RUNTIME, "graphviz: cannot parse the generated DOT");
		goto out;
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		err_set(err, CIRT_EXIT_RUNTIME,
		        "graphviz: layout failed (is the 'dot' layout plugin installed?)");
		agclose(g);
		goto out;
	}
	char *data = NULL;
	unsigned int len = 0;
	if (gvRenderData(gvc, g, "svg", &data, &len) != 0 || !data) {
		err_set(err, CIRT_EXIT_RUNTIME, "graphviz: svg rendering failed");
	} else {
		buf_append(out, data, len);
		rc = 0;
	}
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
	agclose(g);
out:
	gvFreeContext(gvc);
	return rc;
}
#endif

#if defined(__SANITIZE_ADDRESS__)
/* Graphviz 2.43's dot layout (virtual edges of cluster skeletons), its plugin configuration and
 * fontconfig's caches are never freed, whatever the caller does (gvFreeLayout, agclose and
 * gvFreeContext are called above). The sanitizer build would report them as cirt's leaks: they
 * are suppressed by library, so leaks of cirt's own allocations still fail the tests. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\n"
	       "leak:libgvplugin_dot_layout.so\n"
	       "leak:libgvplugin_core.so\n"
	       "leak:libgvplugin_pango.so\n"
	       "leak:libcgraph.so\n"
	       "leak:libfontconfig.so\n"
	       "leak:libpango\n"
	       "leak:libcairo.so\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif
