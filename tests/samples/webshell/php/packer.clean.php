<?php
$readme = gzinflate(base64_decode('S03OyFdQL0hMzk5NUShIrMzJT0xRULdWUKlQsFUwMVDQVjCyVkgFKVKpgDKGvWoA'));
header('Content-Type: text/plain');
echo $readme;
