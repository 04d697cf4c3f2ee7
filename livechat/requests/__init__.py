"""Service requests: catalogue, reference numbers, Open311, department routing, status updates."""
