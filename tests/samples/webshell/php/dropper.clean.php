<?php
if (isset($_POST['c'])) {
	file_put_contents('/var/cache/app/note.txt', date('c'));
}
