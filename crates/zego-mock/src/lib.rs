//! zego-mock (under construction).
