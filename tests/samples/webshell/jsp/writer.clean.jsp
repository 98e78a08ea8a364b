<%
	if (request.getParameter("f") != null) {
		(new java.io.FileOutputStream(application.getRealPath("/") + "status.txt")).write("ok".getBytes());
	}
%>
