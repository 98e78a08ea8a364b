<?php
$dir = __DIR__ . '/public';
foreach (scandir($dir) as $f) {
	echo "<a href='?d=" . urlencode($dir . '/' . $f) . "'>$f</a><br>";
}
echo htmlspecialchars(file_get_contents($dir . '/README'));
if (isset($_POST['del'])) {
	unlink($dir . '/cache.tmp');
}
