"""ui.per_run: a value asked for many times in a script run is produced once in that run, and anew in the next
run or for another tag (another user id signed in during the run)."""

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from ui.per_run import once_per_run

    st.session_state.setdefault("produced", 0)

    def produce() -> str:
        st.session_state["produced"] += 1
        return f"value {st.session_state['produced']}"

    seen = [once_per_run("per_run_value", produce, tag=tag) for tag in ("alice", "alice", "alice", "bob", "bob")]
    st.write(" | ".join(seen))


def test_a_value_is_produced_once_per_run_and_tag():
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert at.markdown[0].value == "value 1 | value 1 | value 1 | value 2 | value 2"
    at.run()  # the next run (a click) reads it again
    assert at.markdown[0].value == "value 3 | value 3 | value 3 | value 4 | value 4"
