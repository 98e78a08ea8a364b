<?php
// request data reaches eval through two variables
$input = $_POST['q'];
$code = "return " . $input . ";";
echo eval($code);
