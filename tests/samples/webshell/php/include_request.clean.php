<?php
$pages = array('home' => 'home.php', 'about' => 'about.php');
include 'pages/home.php';
