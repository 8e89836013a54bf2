# Challenger: the shipped data against vcd::SpaceShuttle (Dalal, Fowlkes & Hoadley
# 1989, Table 1; flight STS-4's boosters were lost, so its row is NA and dropped),
# and the binomial fit of distressed O-rings (of 6) on temperature.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(vcd))
d <- na.omit(SpaceShuttle)
d$distressed <- d$nFailures
fit <- glm(cbind(distressed, 6 - distressed) ~ Temperature, family = binomial, data = d, control = tight_control)
with_pressure <- glm(cbind(distressed, 6 - distressed) ~ Temperature + Pressure, family = binomial,
                     data = d, control = tight_control)
pred <- predict(fit, data.frame(Temperature = 31), type = "link", se.fit = TRUE)
write_fixture(list(
  data = list(flight = as.character(d$FlightNumber), temp = d$Temperature, pressure = d$Pressure,
              distressed = d$distressed),
  temp = glm_record(fit),
  temp_pressure = glm_record(with_pressure),
  at31 = list(link = unname(pred$fit), link_se = unname(pred$se.fit))
), "challenger")
