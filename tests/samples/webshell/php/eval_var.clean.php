<?php
// the same flow without the sink
$input = $_POST['q'];
$code = "return " . $input . ";";
echo htmlspecialchars($code);
