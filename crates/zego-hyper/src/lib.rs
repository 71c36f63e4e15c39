//! zego-hyper (under construction).
