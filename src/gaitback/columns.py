"""The former name of :mod:`gaitback.schema` (column names and frames), kept for imports."""

from gaitback.schema import *  # noqa: F403
from gaitback.schema import STANDARD_GRAVITY_MPS2 as STANDARD_GRAVITY_MPS2
