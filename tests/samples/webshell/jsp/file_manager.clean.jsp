<%@ page import="java.io.*" %>
<%
	String path = application.getRealPath("/");
	File dir = new File(path);
	for (File f : dir.listFiles()) {
		out.println(f.getName() + "<br>");
	}
	String view = "/etc/hostname";
	if (view != null) {
		BufferedReader r = new BufferedReader(new FileReader(view));
		String l;
		while ((l = r.readLine()) != null) out.println(l);
	}
	String del = null;
	if (del != null) new File(del).delete();
%>
