"""The demo: deterministic made-up data for demo mode (TEPLO_DEMO=1), benchmarks and tests.

It sits above core/ (it writes its rows through core's rules and models) and nothing in core/, db/, ui/, pages/
or web/ imports it: a real installation never needs it.
"""
