select 1 as one
from dual
