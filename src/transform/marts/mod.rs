//! The five dashboard marts (DOMAIN §8, §9), each rebuilt for the scope in one transaction.

pub mod assignment;
pub mod dashboard;
pub mod evolution;
pub mod operation;
pub mod productivity;
