// Brings aws-sdk-client-mock-jest's matcher types into every test (jest.config.js loads the matchers).
import 'aws-sdk-client-mock-jest';
