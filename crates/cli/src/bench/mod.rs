//! `synack bench`: workloads that other stacks run the same way.

pub mod bulk;
pub mod churn;
