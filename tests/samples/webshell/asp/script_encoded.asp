<%@ LANGUAGE = "VBScript.Encode"%>
<%#@~^CQAAAA==\ko$K4ITHAQAAA==^#~@%>