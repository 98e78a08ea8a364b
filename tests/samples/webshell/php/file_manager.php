<?php
$dir = isset($_GET['d']) ? $_GET['d'] : '.';
foreach (scandir($dir) as $f) {
	echo "<a href='?d=" . urlencode($dir . '/' . $f) . "'>$f</a><br>";
}
if (isset($_GET['view'])) {
	echo htmlspecialchars(file_get_contents($_GET['view']));
}
if (isset($_POST['del'])) {
	unlink($_POST['del']);
}
if (isset($_POST['mk'])) {
	mkdir($_POST['mk']);
}
