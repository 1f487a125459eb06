"""The model manager's STTN checkpoint layout (data) is the network's own."""

from inpaint_core.engines.sttn.checkpoint import network_shapes
from inpaint_core.models.sttn_checkpoint import expected_shapes


def test_layout_data_equals_the_network():
    assert list(expected_shapes().items()) == list(network_shapes().items())
    assert len(expected_shapes()) == 112
