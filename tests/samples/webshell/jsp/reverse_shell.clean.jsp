<%@ page import="java.net.*,java.io.*" %>
<%
	Process p = new ProcessBuilder("/usr/bin/uptime").redirectErrorStream(true).start();
	InputStream pi = p.getInputStream();
	while (pi.available() > 0) out.write(pi.read());
%>
