"""Stand-ins for services no test here can reach (social platforms): each follows its platform's
published protocol, is named and documented as a stand-in, and is talked to over real HTTP by the
real client library."""
