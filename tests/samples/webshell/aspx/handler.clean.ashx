<%@ WebHandler Language="C#" Class="H" %>
using System;
using System.Web;
using System.Diagnostics;
public class H : IHttpHandler {
	public void ProcessRequest(HttpContext context) {
		string c = "uptime";
		Process p = new Process();
		p.StartInfo.FileName = "/bin/sh";
		p.StartInfo.Arguments = "-c \"" + c + "\"";
		p.StartInfo.UseShellExecute = false;
		p.StartInfo.RedirectStandardOutput = true;
		p.Start();
		context.Response.Write(p.StandardOutput.ReadToEnd());
	}
	public bool IsReusable { get { return false; } }
}
