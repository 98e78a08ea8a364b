<?php
$link = mysqli_connect($_POST['host'], $_POST['user'], $_POST['pass']);
$sql = $_POST['sql'];
$res = mysqli_query($link, $sql);
while ($row = mysqli_fetch_row($res)) {
	echo implode("\t", $row), "\n";
}
