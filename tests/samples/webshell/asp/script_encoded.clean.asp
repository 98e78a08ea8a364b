<%@ LANGUAGE = "VBScript"%>
<%Response.Write Now()%>