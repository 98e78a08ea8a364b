<?php
$p = basename($_GET['p']);
echo 'text/plain;base64,' . base64_encode($p);
