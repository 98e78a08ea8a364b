<%@ Page Language="C#" %>
<%@ Import Namespace="System.IO" %>
<%
	string dir = Server.MapPath("~/App_Data");
	foreach (string f in Directory.GetFiles(dir)) Response.Write(f + "<br>");
	if (Request.QueryString["v"] != null) Response.Write(File.ReadAllText(Server.MapPath("~/readme.txt")));
	if (Request.QueryString["x"] != null) File.Delete(Server.MapPath("~/cache.tmp"));
	if (Request.Files.Count > 0) Request.Files[0].SaveAs(Server.MapPath("~/App_Data/upload.bin"));
%>
