<?php
$link = mysqli_connect('localhost', 'app', 'secret');
$id = (int)$_POST['id'];
$res = mysqli_query($link, 'SELECT name FROM users WHERE id = ' . $id);
while ($row = mysqli_fetch_row($res)) {
	echo implode("\t", $row), "\n";
}
