<?php
putenv('TZ=UTC');
mail('a@example.invalid', 'report', 'done', '');
