<?php
echo preg_replace_callback("/.+/", function ($m) { return strtoupper($m[0]); }, $_POST["z"]);
